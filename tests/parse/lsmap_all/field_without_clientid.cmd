lsmap -all -field svsa physloc vtd backing -fmt :
