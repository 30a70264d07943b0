lssyscfg -r lpar -m P9-PROD-A --filter "lpar_names=vios9" -F name,lpar_id,state
