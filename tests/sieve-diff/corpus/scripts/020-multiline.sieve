require "fileinto";
if header :contains "subject" text:
lundi
.
{ fileinto "ML"; }
