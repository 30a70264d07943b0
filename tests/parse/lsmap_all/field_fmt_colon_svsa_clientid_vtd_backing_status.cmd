lsmap -all -field svsa physloc clientid vtd status backing -fmt :
