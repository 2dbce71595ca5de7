#!/bin/sh
# The stack's tests, run against the api by its service name. Each check prints "ok" or "FAIL"; the exit code is
# the number of failed checks, so 0 means all passed.
failures=0

check() {
  if [ "$3" = "$2" ]; then
    echo "ok   $1"
  else
    echo "FAIL $1: expected '$2', got '$3'"
    failures=$((failures + 1))
  fi
}

get() { wget -q -O - "$API_URL$1" 2>&1; }

check "2 + 3" '{"sum": 5}' "$(get '/cgi-bin/sum?a=2&b=3')"
check "-3 + -4" '{"sum": -7}' "$(get '/cgi-bin/sum?a=-3&b=-4')"
check "rows from the db" '["apple","pear"]' "$(get /cgi-bin/items)"
check "a bad number is refused" 'wget: server returned error: HTTP/1.1 400 Bad Request' "$(get '/cgi-bin/sum?a=x&b=1')"

echo "$failures failure(s)"
exit "$failures"
