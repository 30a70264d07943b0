lshwres -r virtualio --rsubtype eth --level lpar -m P9-PROD-A -F lpar_id,slot_num,port_vlan_id,addl_vlan_ids,is_trunk
