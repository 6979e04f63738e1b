require "fileinto";
if exists "from" { if exists "to" { if not exists "x-none" { fileinto "Deep"; } } }
