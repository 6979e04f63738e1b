require "fileinto";
if not anyof (not exists "from", not allof (true, exists "date")) { fileinto "Complex"; }
