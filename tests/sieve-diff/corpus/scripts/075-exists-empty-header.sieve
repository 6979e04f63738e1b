require "fileinto";
if exists "x-empty" { fileinto "Empty"; }
if header :is "x-empty" "" { fileinto "EmptyValue"; }
