lshwres -r virtualio --rsubtype eth --level lpar -m P9-PROD-A -F lpar_id,slot_num,vlan_id
