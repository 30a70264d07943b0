lsmap -all -npiv -field name physloc clntid status fc ports -fmt :
