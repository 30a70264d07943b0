lsmap -npiv -vadapter vfchost0
