lssyscfg -r sys -F name,serial_num,state
