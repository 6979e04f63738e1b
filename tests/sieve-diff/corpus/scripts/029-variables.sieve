require ["variables", "fileinto"];
if header :matches "from" "*<*@*>" { set :lower "dom" "${3}"; fileinto "From/${dom}"; }
