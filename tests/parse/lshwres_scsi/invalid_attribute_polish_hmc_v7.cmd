lshwres -r virtualio --rsubtype scsi --level lpar -m P5 -F lpar_id,slot_num,type_serial
