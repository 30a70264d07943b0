lshwres -r virtualio --rsubtype fc --level lpar -m P9-PROD-A -F lpar_id,slot_num,wwpn
