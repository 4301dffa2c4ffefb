-- One right sign-in per request (every request hashes a password).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"window1","password":"demo-pass-123"}'
