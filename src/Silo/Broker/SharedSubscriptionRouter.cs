using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace OrleansAio.Silo.Broker;

/// <summary>
/// Adds MQTT 5 shared subscriptions (<c>$share/&lt;group&gt;/&lt;filter&gt;</c>, §4.8.2) to an MQTTnet <see cref="MqttServer"/>,
/// which refuses them on its own (SUBACK 0x9E). See <c>README.md</c> in this folder for the design and its limits.
/// </summary>
/// <remarks>
/// Inbound SUBSCRIBE and UNSUBSCRIBE packets are rewritten from <c>$share/g/f</c> to <c>f</c> so that MQTTnet holds an ordinary
/// subscription; the membership (client, group, filter) is kept here. When MQTTnet offers a message to a member's session
/// (<see cref="MqttServer.InterceptingClientEnqueueAsync"/>, called once per matching session with the same message instance),
/// the router picks one member per (group, filter) for that message, round robin, preferring connected members, and accepts the
/// enqueue only for the chosen one (or for a session that also holds a plain subscription matching the topic).
/// All event handlers complete synchronously: MQTTnet calls the unsubscription interceptor while holding a lock.
/// </remarks>
internal sealed class SharedSubscriptionRouter
{
    readonly Lock _gate = new();
    readonly Dictionary<string, ClientState> _clients = new(StringComparer.Ordinal);
    readonly Dictionary<SharedSubscriptionFilter, ShareGroup> _groups = [];

    // Topic filter instances rewritten by the inbound interceptor: MQTTnet hands the same instance to the subscription
    // interceptor and to ClientSubscribedTopicAsync, which is how a rewritten filter is told apart from a plain one.
    readonly ConditionalWeakTable<MqttTopicFilter, object> _rewrittenFilters = new();

    // One choice of members per published message: MQTTnet passes the same MqttApplicationMessage to every receiver.
    readonly ConditionalWeakTable<MqttApplicationMessage, MessageRouting> _routings = new();

    // MQTTnet processes the filters of one SUBSCRIBE ordered by QoS (highest first) and lists the SUBACK reason codes in that
    // order, not in the packet's order. For packets with mixed QoS the permutation is kept here and the SUBACK restored.
    readonly System.Collections.Concurrent.ConcurrentDictionary<(string ClientId, ushort PacketIdentifier), int[]> _subAckOrders = new();

    readonly ILogger _logger;
    readonly Counter<long> _routedToGroups;

    static readonly object InvalidMarker = new();

    /// <summary>Creates a router; call <see cref="Attach"/> to hook it into a server.</summary>
    /// <param name="logger">Where membership changes and refused share names are logged.</param>
    /// <param name="meter">The meter the routed-message counter is created on.</param>
    public SharedSubscriptionRouter(ILogger logger, Meter meter)
    {
        _logger = logger;
        _routedToGroups = meter.CreateCounter<long>(
            "aio.broker.shared.routed",
            unit: "{message}",
            description: "Messages delivered to one member of a shared subscription group (one per group and message).");
    }

    /// <summary>Subscribes the router's handlers to <paramref name="server"/>'s events. Call once, before the server starts.</summary>
    /// <param name="server">The MQTTnet server.</param>
    public void Attach(MqttServer server)
    {
        server.InterceptingInboundPacketAsync += OnInboundPacketAsync;
        server.InterceptingOutboundPacketAsync += OnOutboundPacketAsync;
        server.InterceptingSubscriptionAsync += OnInterceptingSubscriptionAsync;
        server.ClientSubscribedTopicAsync += OnClientSubscribedTopicAsync;
        server.InterceptingUnsubscriptionAsync += OnInterceptingUnsubscriptionAsync;
        server.InterceptingClientEnqueueAsync += OnInterceptingClientEnqueueAsync;
        server.ClientConnectedAsync += OnClientConnectedAsync;
        server.ClientDisconnectedAsync += OnClientDisconnectedAsync;
        server.SessionDeletedAsync += OnSessionDeletedAsync;
    }

    /// <summary>The members of a (group, filter), in round-robin order; for tests and diagnostics.</summary>
    /// <param name="group">The share name.</param>
    /// <param name="filter">The topic filter.</param>
    public IReadOnlyList<string> GetMembers(string group, string filter)
    {
        lock (_gate)
        {
            return _groups.TryGetValue(new SharedSubscriptionFilter(group, filter), out var shareGroup) ? [.. shareGroup.Members] : [];
        }
    }

    Task OnInboundPacketAsync(InterceptingPacketEventArgs args)
    {
        switch (args.Packet)
        {
            case MqttSubscribePacket subscribe:
                RewriteSubscribe(args.ClientId, subscribe);
                break;
            case MqttUnsubscribePacket unsubscribe:
                RewriteUnsubscribe(args.ClientId, unsubscribe);
                break;
            case MqttDisconnectPacket:
                // Stop choosing this member now rather than when MQTTnet reports the disconnect (after it has deleted a
                // non-persistent session, which would lose messages chosen for it in between).
                lock (_gate)
                {
                    if (_clients.TryGetValue(args.ClientId, out var client))
                    {
                        client.IsConnected = false;
                    }
                }

                break;
        }

        return Task.CompletedTask;
    }

    void RewriteSubscribe(string clientId, MqttSubscribePacket packet)
    {
        RememberSubAckOrder(clientId, packet);
        foreach (var topicFilter in packet.TopicFilters)
        {
            if (!SharedSubscriptionFilter.IsShared(topicFilter.Topic))
            {
                continue;
            }

            if (!SharedSubscriptionFilter.TryParse(topicFilter.Topic, out var shared, out var error))
            {
                BrokerLog.InvalidShareName(_logger, clientId, error);
                _rewrittenFilters.AddOrUpdate(topicFilter, InvalidMarker);

                // MQTTnet refuses anything that starts with "$share/" before calling the subscription interceptor; drop the
                // leading '$' so the interceptor runs and answers 0x8F for this filter.
                topicFilter.Topic = topicFilter.Topic[1..];
                continue;
            }

            _rewrittenFilters.AddOrUpdate(topicFilter, shared);
            topicFilter.Topic = shared.Filter;

            // MQTT 5 §4.8.2: retained messages are not sent to a shared subscription when it is established.
            topicFilter.RetainHandling = MqttRetainHandling.DoNotSendOnSubscribe;
        }
    }

    void RememberSubAckOrder(string clientId, MqttSubscribePacket packet)
    {
        var filters = packet.TopicFilters;
        if (filters.Count < 2 || filters.TrueForAll(f => f.QualityOfServiceLevel == filters[0].QualityOfServiceLevel))
        {
            return;
        }

        // The same stable ordering MQTTnet applies (OrderByDescending keeps packet order among equal QoS).
        var processingOrder = Enumerable.Range(0, filters.Count).OrderByDescending(i => filters[i].QualityOfServiceLevel).ToArray();
        _subAckOrders[(clientId, packet.PacketIdentifier)] = processingOrder;
    }

    void RestoreSubAckOrder(string clientId, MqttSubAckPacket subAck)
    {
        if (!_subAckOrders.TryRemove((clientId, subAck.PacketIdentifier), out var processingOrder) ||
            subAck.ReasonCodes is null || subAck.ReasonCodes.Count != processingOrder.Length)
        {
            return;
        }

        var inPacketOrder = new MqttSubscribeReasonCode[processingOrder.Length];
        for (var k = 0; k < processingOrder.Length; k++)
        {
            inPacketOrder[processingOrder[k]] = subAck.ReasonCodes[k];
        }

        subAck.ReasonCodes = [.. inPacketOrder];
    }

    void RewriteUnsubscribe(string clientId, MqttUnsubscribePacket packet)
    {
        var filters = packet.TopicFilters;
        for (var i = 0; i < filters.Count; i++)
        {
            if (!SharedSubscriptionFilter.IsShared(filters[i]) || !SharedSubscriptionFilter.TryParse(filters[i], out var shared, out _))
            {
                // Plain filters pass unchanged; invalid share names stay "$share/..." which MQTTnet never stores, so the
                // UNSUBACK says 0x11 (no subscription existed).
                continue;
            }

            lock (_gate)
            {
                if (!_clients.TryGetValue(clientId, out var client) || !client.Memberships.ContainsKey(shared))
                {
                    continue;
                }

                RemoveMembership(clientId, client, shared);
                client.PendingSharedUnsubscribes.Add(shared.Filter);
            }

            BrokerLog.MemberLeft(_logger, clientId, shared.Group, shared.Filter);
            filters[i] = shared.Filter;
        }
    }

    Task OnOutboundPacketAsync(InterceptingPacketEventArgs args)
    {
        if (args.Packet is MqttSubAckPacket subAck)
        {
            RestoreSubAckOrder(args.ClientId, subAck);
        }
        else if (args.Packet is MqttConnAckPacket connAck && connAck.ReasonCode == MqttConnectReasonCode.Success)
        {
            connAck.SharedSubscriptionAvailable = true;
            if (!connAck.IsSessionPresent)
            {
                // A new session (first connect or clean start): memberships of a replaced session are gone with it.
                ForgetClient(args.ClientId);
            }
        }

        return Task.CompletedTask;
    }

    Task OnInterceptingSubscriptionAsync(InterceptingSubscriptionEventArgs args)
    {
        if (_rewrittenFilters.TryGetValue(args.TopicFilter, out var marker) && ReferenceEquals(marker, InvalidMarker))
        {
            args.Response.ReasonCode = MqttSubscribeReasonCode.TopicFilterInvalid;
            args.ProcessSubscription = false;
        }

        return Task.CompletedTask;
    }

    Task OnClientSubscribedTopicAsync(ClientSubscribedTopicEventArgs args)
    {
        var isShared = _rewrittenFilters.TryGetValue(args.TopicFilter, out var marker) && marker is SharedSubscriptionFilter;
        lock (_gate)
        {
            var client = GetOrAddClient(args.ClientId);
            if (isShared)
            {
                var shared = (SharedSubscriptionFilter)marker!;
                if (!client.Memberships.ContainsKey(shared))
                {
                    var group = GetOrAddGroup(shared);
                    group.Members.Add(args.ClientId);
                }

                client.Memberships[shared] = args.TopicFilter.QualityOfServiceLevel;
            }
            else
            {
                client.PlainFilters.Add(args.TopicFilter.Topic);
            }
        }

        if (isShared)
        {
            var shared = (SharedSubscriptionFilter)marker!;
            BrokerLog.MemberJoined(_logger, args.ClientId, shared.Group, shared.Filter);
        }

        return Task.CompletedTask;
    }

    Task OnInterceptingUnsubscriptionAsync(InterceptingUnsubscriptionEventArgs args)
    {
        lock (_gate)
        {
            if (!_clients.TryGetValue(args.ClientId, out var client))
            {
                return Task.CompletedTask;
            }

            if (!client.PendingSharedUnsubscribes.Remove(args.Topic))
            {
                // A plain UNSUBSCRIBE (from the client or from MqttServer.UnsubscribeAsync).
                client.PlainFilters.Remove(args.Topic);
            }

            if (client.References(args.Topic))
            {
                // MQTTnet holds one subscription per filter string; another membership (or the plain subscription) of this
                // client still needs it. The UNSUBACK keeps MQTTnet's reason code (Success).
                args.ProcessUnsubscription = false;
            }
        }

        return Task.CompletedTask;
    }

    Task OnInterceptingClientEnqueueAsync(InterceptingClientApplicationMessageEnqueueEventArgs args)
    {
        var topic = args.ApplicationMessage.Topic;
        lock (_gate)
        {
            if (!_clients.TryGetValue(args.ReceiverClientId, out var receiver) || receiver.Memberships.Count == 0)
            {
                return Task.CompletedTask;
            }

            foreach (var plain in receiver.PlainFilters)
            {
                if (MqttTopicFilterComparer.Compare(topic, plain) == MqttTopicFilterCompareResult.IsMatch)
                {
                    return Task.CompletedTask;
                }
            }

            var routing = _routings.GetValue(args.ApplicationMessage, ChooseMembers);
            foreach (var membership in receiver.Memberships.Keys)
            {
                if (routing.Chosen.TryGetValue(membership, out var chosen) && string.Equals(chosen, args.ReceiverClientId, StringComparison.Ordinal))
                {
                    return Task.CompletedTask;
                }
            }

            args.AcceptEnqueue = false;
        }

        return Task.CompletedTask;
    }

    // Called under _gate, once per message.
    MessageRouting ChooseMembers(MqttApplicationMessage message)
    {
        var routing = new MessageRouting();
        foreach (var (key, group) in _groups)
        {
            if (group.Members.Count == 0 || MqttTopicFilterComparer.Compare(message.Topic, key.Filter) != MqttTopicFilterCompareResult.IsMatch)
            {
                continue;
            }

            routing.Chosen[key] = group.ChooseNext(id => _clients.TryGetValue(id, out var c) && c.IsConnected);
            _routedToGroups.Add(1, new KeyValuePair<string, object?>("group", key.Group));
        }

        return routing;
    }

    Task OnClientConnectedAsync(ClientConnectedEventArgs args)
    {
        lock (_gate)
        {
            GetOrAddClient(args.ClientId).IsConnected = true;
        }

        return Task.CompletedTask;
    }

    Task OnClientDisconnectedAsync(ClientDisconnectedEventArgs args)
    {
        if (args.DisconnectType == MqttClientDisconnectType.Takeover)
        {
            // The new connection of the same client id is (or is about to be) connected.
            return Task.CompletedTask;
        }

        // A SUBSCRIBE whose SUBACK never went out.
        ForgetSubAckOrders(args.ClientId);
        lock (_gate)
        {
            if (_clients.TryGetValue(args.ClientId, out var client))
            {
                client.IsConnected = false;
                if (client.Memberships.Count == 0 && client.PlainFilters.Count == 0)
                {
                    _clients.Remove(args.ClientId);
                }
            }
        }

        return Task.CompletedTask;
    }

    void ForgetSubAckOrders(string clientId)
    {
        foreach (var key in _subAckOrders.Keys)
        {
            if (string.Equals(key.ClientId, clientId, StringComparison.Ordinal))
            {
                _subAckOrders.TryRemove(key, out _);
            }
        }
    }

    Task OnSessionDeletedAsync(SessionDeletedEventArgs args)
    {
        ForgetClient(args.Id);
        return Task.CompletedTask;
    }

    void ForgetClient(string clientId)
    {
        lock (_gate)
        {
            if (!_clients.TryGetValue(clientId, out var client))
            {
                return;
            }

            foreach (var membership in client.Memberships.Keys.ToList())
            {
                RemoveMembership(clientId, client, membership);
            }

            client.PlainFilters.Clear();
            client.PendingSharedUnsubscribes.Clear();
            if (!client.IsConnected)
            {
                _clients.Remove(clientId);
            }
        }
    }

    // Called under _gate.
    void RemoveMembership(string clientId, ClientState client, SharedSubscriptionFilter shared)
    {
        client.Memberships.Remove(shared);
        if (_groups.TryGetValue(shared, out var group))
        {
            group.Members.Remove(clientId);
            if (group.Members.Count == 0)
            {
                _groups.Remove(shared);
            }
        }
    }

    // Called under _gate.
    ClientState GetOrAddClient(string clientId)
    {
        if (!_clients.TryGetValue(clientId, out var client))
        {
            client = new ClientState();
            _clients.Add(clientId, client);
        }

        return client;
    }

    // Called under _gate.
    ShareGroup GetOrAddGroup(SharedSubscriptionFilter shared)
    {
        if (!_groups.TryGetValue(shared, out var group))
        {
            group = new ShareGroup();
            _groups.Add(shared, group);
        }

        return group;
    }

    sealed class ClientState
    {
        public bool IsConnected { get; set; }

        public HashSet<string> PlainFilters { get; } = new(StringComparer.Ordinal);

        public Dictionary<SharedSubscriptionFilter, MqttQualityOfServiceLevel> Memberships { get; } = [];

        // Filters of shared UNSUBSCRIBEs rewritten to the plain filter, consumed by the unsubscription interceptor.
        public List<string> PendingSharedUnsubscribes { get; } = [];

        public bool References(string filter)
        {
            if (PlainFilters.Contains(filter))
            {
                return true;
            }

            foreach (var membership in Memberships.Keys)
            {
                if (string.Equals(membership.Filter, filter, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
    }

    sealed class ShareGroup
    {
        int _next;

        public List<string> Members { get; } = [];

        // Round robin over connected members; when none is connected, over all members (their persistent sessions queue
        // the message so a QoS 1 message is not lost).
        public string ChooseNext(Func<string, bool> isConnected)
        {
            var count = Members.Count;
            for (var i = 0; i < count; i++)
            {
                var candidate = Members[(_next + i) % count];
                if (isConnected(candidate))
                {
                    _next = (_next + i + 1) % count;
                    return candidate;
                }
            }

            var fallback = Members[_next % count];
            _next = (_next + 1) % count;
            return fallback;
        }
    }

    sealed class MessageRouting
    {
        public Dictionary<SharedSubscriptionFilter, string> Chosen { get; } = [];
    }
}
