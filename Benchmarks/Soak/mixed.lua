-- `make bench` (BENCH_ONLY=soak): a moderate mixed load through the gateway, for wrk. Each connection
-- waits SOAK_PAUSE_MS between requests, so the load stays moderate whatever the machine; the mix is
-- what an investor's session does: listings, searches, offerings, the portfolio, tax estimates,
-- analytics events (writes), and now and then a password sign-in (Argon2id).
-- Env: SOAK_TOKEN (an investor's access token), SOAK_EMAIL, SOAK_PASSWORD, SOAK_PAUSE_MS (20).
local token = os.getenv("SOAK_TOKEN")
local signin = string.format('{"grant_type":"password","email":"%s","password":"%s"}', os.getenv("SOAK_EMAIL"), os.getenv("SOAK_PASSWORD"))
local pause = tonumber(os.getenv("SOAK_PAUSE_MS") or "20")
local estimate = '{"gain_amount":"250000","gain_date":"2025-03-01","investment_date":"2025-06-30",'
    .. '"investment_amount":"250000","tax_rate":0.238,"fund_type":"standard"}'

local mix = {
    { weight = 28, method = "GET", path = "/v1/properties?limit=20" },
    { weight = 14, method = "GET", path = "/v1/properties?q=riverfront&sort=relevance&limit=20" },
    { weight = 18, method = "GET", path = "/v1/offerings?limit=20", signed = true },
    { weight = 14, method = "GET", path = "/v1/portfolio", signed = true },
    { weight = 12, method = "POST", path = "/v1/analytics/events", signed = true,
      body = '{"name":"listing_viewed","properties":{"source":"soak"}}' },
    { weight = 12, method = "POST", path = "/v1/oz/tax-estimate", signed = true, body = estimate },
    { weight = 2, method = "POST", path = "/v1/auth/token", body = signin },
}
local total = 0
for _, entry in ipairs(mix) do total = total + entry.weight end

local threads = {}
function setup(thread) table.insert(threads, thread) end

-- The requests, signed with `token`: made once wrk knows the Host header they need, and again
-- whenever a sign-in in the mix brings a fresh access token (the first one expires long before
-- a ten-minute soak ends, as a real client's would).
local function build()
    for _, entry in ipairs(mix) do
        local headers = { ["Content-Type"] = "application/json" }
        if entry.signed then headers["Authorization"] = "Bearer " .. token end
        entry.request = wrk.format(entry.method, entry.path, headers, entry.body)
    end
end

function init()
    failures = {}
    build()
end

function delay() return pause end

function request()
    local pick = math.random(total)
    for _, entry in ipairs(mix) do
        pick = pick - entry.weight
        if pick <= 0 then return entry.request end
    end
end

function response(status, headers, body)
    if status >= 400 then failures[status] = (failures[status] or 0) + 1 end
    -- Only the sign-in's answer carries an access token.
    local fresh = status == 200 and body and string.match(body, '"access_token"%s*:%s*"([^"]+)"')
    if fresh and fresh ~= token then
        token = fresh
        build()
    end
end

function done(summary)
    local counts, errors = {}, 0
    for _, thread in ipairs(threads) do
        for status, n in pairs(thread:get("failures")) do
            counts[status] = (counts[status] or 0) + n
            errors = errors + n
        end
    end
    errors = errors + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
    local detail = ""
    for status, n in pairs(counts) do detail = detail .. string.format(" %d×%d", n, status) end
    io.write(string.format("soak: %d requests, %d errors%s\n", summary.requests, errors, detail))
end
