-- Wrong passwords for a new unknown account each request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, '{"username":"nobody' .. counter .. '","password":"wrong-password"}')
end
