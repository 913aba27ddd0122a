#!/usr/bin/env escript
%% erlcli: Erlang/OTP ssl client for the tlsdiag matrix: one GET, printing the answer.
%% escript erlcli.escript HOST CA MIN MAX KEYLOG|-
%% MIN/MAX 1.2 | 1.3.  The key log comes from keep_secrets and ssl:connection_information(S,
%% [keylog]), which needs a connection: a refused handshake leaves none.
main([Host, CA, Min, Max, KeyLog]) ->
    {ok, _} = application:ensure_all_started(ssl),
    V = #{"1.2" => 'tlsv1.2', "1.3" => 'tlsv1.3'},
    Versions = lists:usort([maps:get(Min, V), maps:get(Max, V)]),
    Opts = [binary, {active, false}, {verify, verify_peer}, {cacertfile, CA},
            {versions, lists:reverse(Versions)}, {server_name_indication, Host},
            {keep_secrets, true},
            {customize_hostname_check,
             [{match_fun, public_key:pkix_verify_hostname_match_fun(https)}]}],
    case ssl:connect(Host, 443, Opts, 10000) of
        {ok, S} ->
            case ssl:connection_information(S, [keylog, protocol]) of
                {ok, Info} when KeyLog =/= "-" ->
                    io:format("erlcli: handshake ok ~p~n", [proplists:get_value(protocol, Info)]),
                    Lines = proplists:get_value(keylog, Info, []),
                    ok = file:write_file(KeyLog, [[L, "\n"] || L <- Lines]);
                Other ->
                    io:format("erlcli: connection_information ~p~n", [Other])
            end,
            ok = ssl:send(S, ["GET / HTTP/1.1\r\nHost: ", Host, "\r\nConnection: close\r\n\r\n"]),
            recv_all(S),
            ssl:close(S),
            halt(0);
        {error, E} ->
            io:format("erlcli: error ~p~n", [E]),
            halt(1)
    end.

recv_all(S) ->
    case ssl:recv(S, 0, 5000) of
        {ok, Data} -> io:put_chars(Data), recv_all(S);
        {error, closed} -> ok;
        {error, E} -> io:format("~nerlcli: recv ~p~n", [E])
    end.
