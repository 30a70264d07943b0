lsmap -all -net -field svea physloc sea backing -fmt :
