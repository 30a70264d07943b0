lsmap -vadapter vhost1
