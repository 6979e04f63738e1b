require "fileinto";
if exists "MESSAGE-ID" { fileinto "HasMsgId"; }
