lshwres -r virtualio --rsubtype eth --level lpar -m P9-PROD-A --filter lpar_names=lnx01
