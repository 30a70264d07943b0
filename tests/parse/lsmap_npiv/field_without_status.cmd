lsmap -all -npiv -field name physloc clntid fc -fmt :
