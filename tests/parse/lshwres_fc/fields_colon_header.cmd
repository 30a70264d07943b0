lshwres -r virtualio --rsubtype fc --level lpar -m P9-PROD-A -F lpar_id:slot_num:adapter_type:remote_lpar_id:remote_slot_num:wwpns --header
