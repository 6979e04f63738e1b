require "fileinto";
if header :is "x-none" "" { fileinto "AbsentEmpty"; }
if not header :matches "x-none" "*" { fileinto "NoMatch"; }
