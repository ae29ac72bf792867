#!/bin/sh
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"
show() { echo "== rc=$rc"; echo "-- out:"; cat $OUT; echo; echo "-- err:"; cat $ERR; echo "-- reqs: $(mock_count)"; sql $DDB 'select status_code, http_status, prompt_tokens, completion_tokens, tokens_estimated, attempt from usage_metrics'; sql $DDB 'select sender_type, status, finish_reason, message_text from chat_messages'; sql $DDB 'delete from usage_metrics; delete from chat_messages; delete from chat_sessions'; }
F=$FIXTURES
mock_script '{"gen_events":5,"huge_line":2000000}'
run with_openai t3-chat -m gpt-4o-mini hello; show
mock_script '{"body":"data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n","content_type":"text/event-stream"}'
run with_openai t3-chat -m gpt-4o-mini hello; show
mock_script '{"gen_events":400,"chunk":40,"delay_ms":20}'
OPENAI_BASE_URL=$MOCK_URL/v1 OPENAI_API_KEY=$KEY t3-chat -m gpt-4o-mini hello >$OUT 2>$ERR &
pid=$!
i=0; while [ ! -s $OUT ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
t0=$(date +%s%N); kill -INT $pid; wait $pid; rc=$?; t1=$(date +%s%N); echo "took $(( (t1-t0)/1000000 )) ms"
show
mock_script '{"gen_events":400,"chunk":40,"delay_ms":10}'
(OPENAI_BASE_URL=$MOCK_URL/v1 OPENAI_API_KEY=$KEY timeout 20 t3-chat -m gpt-4o-mini hello 2>$ERR; echo "rc=$?" >$TMP/rc) | head -c 5 >$OUT; cat $TMP/rc; rc=0
show
done_testing
