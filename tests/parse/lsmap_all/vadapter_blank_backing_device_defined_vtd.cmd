ioscli lsmap -vadapter vhost3
