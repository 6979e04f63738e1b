require "fileinto";
if anyof (header :is "x-priority" "1", header :contains "subject" "urgent") { fileinto "Urgent"; }
