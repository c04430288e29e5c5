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
    private readonly Lock gate = new();
    private readonly Dictionary<string, ClientState> clients = new(StringComparer.Ordinal);
    private readonly Dictionary<SharedSubscriptionFilter, ShareGroup> groups = [];

    // Topic filter instances rewritten by the inbound interceptor: MQTTnet hands the same instance to the subscription
    // interceptor and to ClientSubscribedTopicAsync, which is how a rewritten filter is told apart from a plain one.
    private readonly ConditionalWeakTable<MqttTopicFilter, object> rewrittenFilters = new();

    // One choice of members per published message: MQTTnet passes the same MqttApplicationMessage to every receiver.
    private readonly ConditionalWeakTable<MqttApplicationMessage, MessageRouting> routings = new();

    // MQTTnet processes the filters of one SUBSCRIBE ordered by QoS (highest first) and lists the SUBACK reason codes in that
    // order, not in the packet's order. For packets with mixed QoS the permutation is kept here and the SUBACK restored.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string ClientId, ushort PacketIdentifier), int[]> subAckOrders = new();

    private readonly ILogger logger;
    private readonly Counter<long> routedToGroups;

    private static readonly object InvalidMarker = new();

    /// <summary>Creates a router; call <see cref="Attach"/> to hook it into a server.</summary>
    /// <param name="logger">Where membership changes and refused share names are logged.</param>
    /// <param name="meter">The meter the routed-message counter is created on.</param>
    public SharedSubscriptionRouter(ILogger logger, Meter meter)
    {
        this.logger = logger;
        routedToGroups = meter.CreateCounter<long>(
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
        lock (gate)
        {
            return groups.TryGetValue(new SharedSubscriptionFilter(group, filter), out var shareGroup) ? [.. shareGroup.Members] : [];
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
                lock (gate)
                {
                    if (clients.TryGetValue(args.ClientId, out var client))
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
                BrokerLog.InvalidShareName(logger, clientId, error);
                rewrittenFilters.AddOrUpdate(topicFilter, InvalidMarker);

                // MQTTnet refuses anything that starts with "$share/" before calling the subscription interceptor; drop the
                // leading '$' so the interceptor runs and answers 0x8F for this filter.
                topicFilter.Topic = topicFilter.Topic[1..];
                continue;
            }

            rewrittenFilters.AddOrUpdate(topicFilter, shared);
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
        subAckOrders[(clientId, packet.PacketIdentifier)] = processingOrder;
    }

    void RestoreSubAckOrder(string clientId, MqttSubAckPacket subAck)
    {
        if (!subAckOrders.TryRemove((clientId, subAck.PacketIdentifier), out var processingOrder) ||
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

            lock (gate)
            {
                if (!clients.TryGetValue(clientId, out var client) || !client.Memberships.ContainsKey(shared))
                {
                    continue;
                }

                RemoveMembership(clientId, client, shared);
                client.PendingSharedUnsubscribes.Add(shared.Filter);
            }

            BrokerLog.MemberLeft(logger, clientId, shared.Group, shared.Filter);
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
        if (rewrittenFilters.TryGetValue(args.TopicFilter, out var marker) && ReferenceEquals(marker, InvalidMarker))
        {
            args.Response.ReasonCode = MqttSubscribeReasonCode.TopicFilterInvalid;
            args.ProcessSubscription = false;
        }

        return Task.CompletedTask;
    }

    Task OnClientSubscribedTopicAsync(ClientSubscribedTopicEventArgs args)
    {
        var isShared = rewrittenFilters.TryGetValue(args.TopicFilter, out var marker) && marker is SharedSubscriptionFilter;
        lock (gate)
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
            BrokerLog.MemberJoined(logger, args.ClientId, shared.Group, shared.Filter);
        }

        return Task.CompletedTask;
    }

    Task OnInterceptingUnsubscriptionAsync(InterceptingUnsubscriptionEventArgs args)
    {
        lock (gate)
        {
            if (!clients.TryGetValue(args.ClientId, out var client))
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
        lock (gate)
        {
            if (!clients.TryGetValue(args.ReceiverClientId, out var receiver) || receiver.Memberships.Count == 0)
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

            var routing = routings.GetValue(args.ApplicationMessage, ChooseMembers);
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

    // Called under gate, once per message.
    MessageRouting ChooseMembers(MqttApplicationMessage message)
    {
        var routing = new MessageRouting();
        foreach (var (key, group) in groups)
        {
            if (group.Members.Count == 0 || MqttTopicFilterComparer.Compare(message.Topic, key.Filter) != MqttTopicFilterCompareResult.IsMatch)
            {
                continue;
            }

            routing.Chosen[key] = group.ChooseNext(id => clients.TryGetValue(id, out var c) && c.IsConnected);
            routedToGroups.Add(1, new KeyValuePair<string, object?>("group", key.Group));
        }

        return routing;
    }

    Task OnClientConnectedAsync(ClientConnectedEventArgs args)
    {
        lock (gate)
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
        lock (gate)
        {
            if (clients.TryGetValue(args.ClientId, out var client))
            {
                client.IsConnected = false;
                if (client.Memberships.Count == 0 && client.PlainFilters.Count == 0)
                {
                    clients.Remove(args.ClientId);
                }
            }
        }

        return Task.CompletedTask;
    }

    void ForgetSubAckOrders(string clientId)
    {
        foreach (var key in subAckOrders.Keys)
        {
            if (string.Equals(key.ClientId, clientId, StringComparison.Ordinal))
            {
                subAckOrders.TryRemove(key, out _);
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
        lock (gate)
        {
            if (!clients.TryGetValue(clientId, out var client))
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
                clients.Remove(clientId);
            }
        }
    }

    // Called under gate.
    void RemoveMembership(string clientId, ClientState client, SharedSubscriptionFilter shared)
    {
        client.Memberships.Remove(shared);
        if (groups.TryGetValue(shared, out var group))
        {
            group.Members.Remove(clientId);
            if (group.Members.Count == 0)
            {
                groups.Remove(shared);
            }
        }
    }

    // Called under gate.
    ClientState GetOrAddClient(string clientId)
    {
        if (!clients.TryGetValue(clientId, out var client))
        {
            client = new ClientState();
            clients.Add(clientId, client);
        }

        return client;
    }

    // Called under gate.
    ShareGroup GetOrAddGroup(SharedSubscriptionFilter shared)
    {
        if (!groups.TryGetValue(shared, out var group))
        {
            group = new ShareGroup();
            groups.Add(shared, group);
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
        private int next;

        public List<string> Members { get; } = [];

        // Round robin over connected members; when none is connected, over all members (their persistent sessions queue
        // the message so a QoS 1 message is not lost).
        public string ChooseNext(Func<string, bool> isConnected)
        {
            var count = Members.Count;
            for (var i = 0; i < count; i++)
            {
                var candidate = Members[(next + i) % count];
                if (isConnected(candidate))
                {
                    next = (next + i + 1) % count;
                    return candidate;
                }
            }

            var fallback = Members[next % count];
            next = (next + 1) % count;
            return fallback;
        }
    }

    sealed class MessageRouting
    {
        public Dictionary<SharedSubscriptionFilter, string> Chosen { get; } = [];
    }
}
