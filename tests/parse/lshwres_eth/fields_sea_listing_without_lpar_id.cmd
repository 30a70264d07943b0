lshwres -r virtualio --rsubtype eth --level lpar -m sys-R1 -F lpar_name,port_vlan_id,vswitch,state,trunk_priority
