lssyscfg -r sys -F serial_num:name:state:type_model --header
