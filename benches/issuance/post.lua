-- wrk script: POSTs the same JSON body on every request and counts the answers by status.
-- Usage: wrk ... -s post.lua URL -- BODY
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.body = args[1]
  wrk.headers["Content-Type"] = "application/json"
  created, other = 0, 0
end

function response(status)
  if status == 201 then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created"); o = o + t:get("other")
  end
  io.write(string.format("answers: 201=%d other=%d\n", c, o))
end
