lshwres -r virtualio --rsubtype scsi -m "P9 Prod A" --level lpar --filter "lpar_names=vios1" -F lpar_name,lpar_id,slot_num,adapter_type,remote_lpar_id,remote_lpar_name,remote_slot_num,state --header
