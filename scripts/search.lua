-- wrk script: customer search with a rotating set of queries (phone digits,
-- codes, names, address fragments), authenticated with $TOKEN.
-- With PAUSE_MS set, each connection waits that long after every answer,
-- so the load is paced (connections / (pause + latency)) instead of
-- saturating the machine.
local queries = { "0912", "B00012", "345", "%E9%99%B3%E6%B7%91", "%E4%B8%AD%E6%AD%A3%E8%B7%AF1", "0955", "B0099", "%E7%8E%8B" }
local token = os.getenv("TOKEN")
local pause = tonumber(os.getenv("PAUSE_MS") or "")
local i = 0
request = function()
  i = i + 1
  local q = queries[(i % #queries) + 1]
  return wrk.format("GET", "/api/v1/customers?per_page=20&q=" .. q, { ["Authorization"] = "Bearer " .. token })
end
if pause then
  delay = function()
    return pause
  end
end
