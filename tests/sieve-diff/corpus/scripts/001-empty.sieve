# implicit keep only
