lshwres -r virtualio --rsubtype scsi --level lpar -m P9-NOPE
