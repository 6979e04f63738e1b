require ["variables", "fileinto"];
if header :matches "from" "*@*" { set :upperfirst :lower "u" "${2}"; fileinto "${u}"; }
