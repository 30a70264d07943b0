lssyscfg -r lpar -m P9-PROD-A -F name,lpar_id,lpar_env --header
