lssyscfg -r lpar -m "P9 Prod A" --filter "lpar_names=vios1,vios2" -F lpar_id,name,state,lpar_env,rmc_state --header
