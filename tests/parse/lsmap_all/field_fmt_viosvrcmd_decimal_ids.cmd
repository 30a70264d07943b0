viosvrcmd -m P9-PROD-A -p vios1 -c "lsmap -all -dec -field svsa physloc clientid vtd backing bdphysloc -fmt ,"
