require "ereject";
if exists "list-id" { ereject "Non."; }
