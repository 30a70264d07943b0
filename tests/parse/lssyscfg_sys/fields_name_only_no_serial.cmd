lssyscfg -r sys -F name
