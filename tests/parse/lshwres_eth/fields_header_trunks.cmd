lshwres -r virtualio --rsubtype eth --level lpar -m "P9 Prod A" -F lpar_name,lpar_id,slot_num,is_trunk,trunk_priority,port_vlan_id,addl_vlan_ids,vswitch --header
