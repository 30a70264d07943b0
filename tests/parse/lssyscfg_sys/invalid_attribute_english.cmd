lssyscfg -r sys -F name,type_serial
