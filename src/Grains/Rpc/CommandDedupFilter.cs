using System.Runtime.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Metadata;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansAio.GrainsInterfaces.Rpc;

namespace OrleansAio.Grains.Rpc;

/// <summary>
/// Cluster-wide de-duplication of AIO commands (protocol.md §1.12) where the request is executed: an incoming-call filter on
/// <see cref="ICommandHandlerGrain{TReq, TResp}.ExecuteCommandAsync"/> that keeps, in the handler grain's activation, the
/// response of every request it executed until the request expires. A redelivered request reaches the same grain (same key
/// token) from whichever silo the broker gave it to, and Orleans keeps one activation per grain in the cluster, so the
/// duplicate is answered from the record without running the grain again, with no extra grain call and no write per request.
/// </summary>
/// <remarks>
/// The silo's executor puts the dedup key and the request expiry in the call's <see cref="RequestContext"/>
/// (<see cref="KeyName"/>, <see cref="ExpiresAtName"/>); calls without them pass through. Records are loaded from the
/// <see cref="ICommandDedupStore"/> (or, without one, the grain storage) once per activation (the first command it serves). With
/// <see cref="DurableName"/> (the default for a command) a record is stored before the response is returned, one write per activation at a time (group commit), so it
/// survives a crash of the silo; without it the records are written when the activation is deactivated gracefully only
/// (see <c>src/Grains/Rpc/README.md</c>).
/// Exceptions are not recorded: a redelivered request whose first execution failed runs again.
/// </remarks>
public sealed class CommandDedupFilter : IIncomingGrainCallFilter
{
    /// <summary>The <see cref="RequestContext"/> key of the dedup key (command name, Response Topic, Correlation Data).</summary>
    public const string KeyName = "aio-dedup-key";

    /// <summary>The <see cref="RequestContext"/> key of the request expiry (UTC ticks, a <see cref="long"/>).</summary>
    public const string ExpiresAtName = "aio-dedup-expires";

    /// <summary>
    /// The <see cref="RequestContext"/> key that asks for a durable record (<see langword="true"/>): stored (the
    /// <see cref="ICommandDedupStore"/>, or the grain storage) before the response goes back to the executor, so a redelivery after a silo crash is answered from it.
    /// </summary>
    public const string DurableName = "aio-dedup-durable";

    /// <summary>The grain-storage state name of a handler grain's unexpired records.</summary>
    public const string StateName = "aioCommandDedup";

    private readonly CommandDedupActivations activations;

    /// <summary>Creates the filter.</summary>
    /// <param name="activations">Keeps the records of handler grains' activations and loads and saves them.</param>
    public CommandDedupFilter(CommandDedupActivations activations)
    {
        this.activations = activations;
    }

    /// <summary>The dedup key of a request: unambiguous for any command name and topic.</summary>
    /// <param name="commandName">The command name.</param>
    /// <param name="responseTopic">The request's Response Topic.</param>
    /// <param name="correlationId">The request's correlation ID.</param>
    /// <returns>The key.</returns>
    public static string Key(string commandName, string responseTopic, Guid correlationId) =>
        $"{correlationId:N}/{commandName.Length}/{commandName}/{responseTopic}";

    /// <inheritdoc />
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (RequestContext.Get(KeyName) is not string key || RequestContext.Get(ExpiresAtName) is not long expiresTicks || !IsCommandHandlerCall(context))
        {
            await context.Invoke();
            return;
        }

        // Not for the calls this grain makes in turn (the context flows to them).
        var durable = RequestContext.Get(DurableName) is true;
        RequestContext.Remove(KeyName);
        RequestContext.Remove(ExpiresAtName);
        RequestContext.Remove(DurableName);
        if (context.TargetContext.GetComponent<CommandDedupRecords>() is not { } records)
        {
            await context.Invoke();
            return;
        }

        await activations.LoadAsync(records);
        var now = activations.Now;
        if (records.TryGet(key, now) is { } first)
        {
            activations.LogDuplicate(key);
            context.Result = await first;
            return;
        }

        var completion = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        records.Add(key, expiresTicks, completion.Task, now);
        try
        {
            await context.Invoke();
        }
        catch (Exception ex)
        {
            records.Remove(key);
            completion.TrySetException(ex);
            _ = completion.Task.Exception;
            throw;
        }

        if (durable)
        {
            // Durable before the executor publishes the response: a duplicate waits on the completion, so it is not answered
            // before the record is stored either. A failed write is logged and the request answered (availability).
            records.Complete(key, context.Result, activations.Serialize(context.Result));
            await activations.PersistAsync(records);
        }
        else
        {
            records.Complete(key, context.Result, null);
        }

        completion.TrySetResult(context.Result);
    }

    private static bool IsCommandHandlerCall(IIncomingGrainCallContext context) =>
        context.InterfaceMethod is { Name: nameof(ICommandHandlerGrain<int, int>.ExecuteCommandAsync), DeclaringType: { IsGenericType: true } type }
        && type.GetGenericTypeDefinition() == typeof(ICommandHandlerGrain<,>);
}

/// <summary>
/// Gives every activation of a command handler grain (a class implementing <see cref="ICommandHandlerGrain{TReq, TResp}"/>) its
/// <see cref="CommandDedupRecords"/> when the activation is created, and saves the unexpired records when it is deactivated;
/// other grains get nothing.
/// </summary>
public sealed partial class CommandDedupActivations : IConfigureGrainContextProvider, IConfigureGrainContext
{
    private readonly IServiceProvider services;
    private readonly Serializer serializer;
    private readonly TimeProvider timeProvider;
    private readonly GrainClassMap grainClasses;
    private readonly ILogger logger;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<GrainType, bool> handlerTypes = new();
    private IGrainStorage? storage;
    private bool storageResolved;
    private ICommandDedupStore? dedupStore;
    private bool dedupStoreResolved;

    /// <summary>Creates the provider.</summary>
    /// <param name="services">The silo's services (the default grain storage is resolved on first use).</param>
    /// <param name="serializer">Serializes recorded responses for storage.</param>
    /// <param name="timeProvider">The clock for expiry.</param>
    /// <param name="grainClasses">Maps grain types to their classes.</param>
    /// <param name="logger">Logging.</param>
    public CommandDedupActivations(IServiceProvider services, Serializer serializer, TimeProvider timeProvider, GrainClassMap grainClasses, ILogger<CommandDedupActivations> logger)
    {
        this.services = services;
        this.serializer = serializer;
        this.timeProvider = timeProvider;
        this.grainClasses = grainClasses;
        this.logger = logger;
    }

    /// <summary>The current time in UTC ticks.</summary>
    internal long Now => timeProvider.GetUtcNow().UtcTicks;

    /// <inheritdoc />
    public bool TryGetConfigurator(GrainType grainType, GrainProperties properties, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IConfigureGrainContext? configurator)
    {
        var isHandler = handlerTypes.GetOrAdd(grainType, t =>
            grainClasses.TryGetGrainClass(t, out var grainClass)
            && grainClass.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICommandHandlerGrain<,>)));
        configurator = isHandler ? this : null;
        return isHandler;
    }

    /// <inheritdoc />
    public void Configure(IGrainContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var records = new CommandDedupRecords(context.GrainId);
        context.SetComponent(records);
        context.ObservableLifecycle.Subscribe(nameof(CommandDedupActivations), GrainLifecycleStage.SetupState, _ => Task.CompletedTask, _ => SaveAsync(records));
    }

    // The record-by-record store when the silo registered one (the factory may return null: no Redis grain storage).
    private ICommandDedupStore? DedupStore
    {
        get
        {
            if (!dedupStoreResolved)
            {
                dedupStore = services.GetService<ICommandDedupStore>();
                dedupStoreResolved = true;
            }

            return dedupStore;
        }
    }

    private IGrainStorage? Storage
    {
        get
        {
            if (!storageResolved)
            {
                storage = services.GetKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
                storageResolved = true;
            }

            return storage;
        }
    }

    /// <summary>Serializes a response for storage.</summary>
    /// <param name="response">The grain's response.</param>
    /// <returns>The bytes.</returns>
    internal byte[] Serialize(object? response) => serializer.SerializeToArray(response);

    /// <summary>Reads the activation's stored records once, before its first command (concurrent first commands share the read).</summary>
    /// <param name="records">The activation's records.</param>
    /// <returns>When the records are loaded.</returns>
    internal Task LoadAsync(CommandDedupRecords records) => records.LoadTask ??= ReadAsync(records);

    private async Task ReadAsync(CommandDedupRecords records)
    {
        if (DedupStore is { } dedup)
        {
            records.RecordByRecord = true;
            try
            {
                var stored = await dedup.ReadAsync(records.GrainId);
                var now = timeProvider.GetUtcNow().UtcTicks;
                foreach (var record in stored)
                {
                    if (record.ExpiresAtTicks > now)
                    {
                        records.AddStored(record.Key, record.ExpiresAtTicks, serializer.Deserialize<object?>(record.Response), record.Response, now);
                    }
                    else
                    {
                        records.ForgetStored(record.Key);
                    }
                }
            }
            catch (Exception ex)
            {
                LogStorageFailed(ex, records.GrainId.ToString());
            }

            return;
        }

        if (Storage is not { } store)
        {
            return;
        }

        try
        {
            await store.ReadStateAsync(CommandDedupFilter.StateName, records.GrainId, records.Stored);
            var now = timeProvider.GetUtcNow().UtcTicks;
            foreach (var record in records.Stored.State?.Records ?? [])
            {
                if (record.ExpiresAtTicks > now)
                {
                    records.AddStored(record.Key, record.ExpiresAtTicks, serializer.Deserialize<object?>(record.Response), record.Response, now);
                }
            }
        }
        catch (Exception ex)
        {
            // Availability over dedup: the grain still serves requests.
            LogStorageFailed(ex, records.GrainId.ToString());
        }
    }

    /// <summary>
    /// Makes the activation's completed records durable, with group commit: one write at a time per activation; records
    /// completed while a write is in flight join the next write, so one write serves every request waiting on it.
    /// </summary>
    /// <param name="records">The activation's records (the caller's record is completed).</param>
    /// <returns>When a write that started after the caller's record was completed has finished (failures are logged, not thrown).</returns>
    internal Task PersistAsync(CommandDedupRecords records)
    {
        if (DedupStore is null && Storage is null)
        {
            return Task.CompletedTask;
        }

        lock (records.WriteGate)
        {
            if (records.WriteInFlight is not null)
            {
                records.NextWrite ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return records.NextWrite.Task;
            }

            records.WriteInFlight = WriteLoopAsync(records, null);
            return records.WriteInFlight;
        }
    }

    // Writes the live records; then, while requests joined during the write, writes again for them (outside the first caller's
    // await, so its response is not held back by later batches).
    private async Task WriteLoopAsync(CommandDedupRecords records, TaskCompletionSource? batch)
    {
        await Task.Yield();
        await WriteLiveAsync(records, all: false);
        batch?.TrySetResult();
        lock (records.WriteGate)
        {
            if (records.NextWrite is { } next)
            {
                records.NextWrite = null;
                records.WriteInFlight = WriteLoopAsync(records, next);
            }
            else
            {
                records.WriteInFlight = null;
            }
        }
    }

    // all: every unstored record (deactivation, where Activation-mode records were never written); else the durable ones.
    private async Task WriteLiveAsync(CommandDedupRecords records, bool all)
    {
        if (DedupStore is { } dedup)
        {
            await WriteChangesAsync(records, dedup, all);
            return;
        }

        var store = Storage!;
        var live = records.Live(timeProvider.GetUtcNow().UtcTicks, Serialize);
        try
        {
            if (live.Count > 0)
            {
                records.Stored.State = new CommandDedupState { Records = live };
                await store.WriteStateAsync(CommandDedupFilter.StateName, records.GrainId, records.Stored);
            }
            else if (records.Stored.RecordExists)
            {
                await store.ClearStateAsync(CommandDedupFilter.StateName, records.GrainId, records.Stored);
            }
        }
        catch (Exception ex)
        {
            LogStorageFailed(ex, records.GrainId.ToString());
            await RefreshAsync(records, store);
        }
    }

    // Record by record: only the records completed since the last write, and the keys of stored records that expired since.
    private async Task WriteChangesAsync(CommandDedupRecords records, ICommandDedupStore dedup, bool all)
    {
        var (added, removed, keepUntil) = records.TakeChanges(timeProvider.GetUtcNow().UtcTicks, Serialize, all);
        if (added.Count == 0 && removed.Count == 0)
        {
            return;
        }

        try
        {
            await dedup.WriteAsync(records.GrainId, added, removed, keepUntil);
        }
        catch (Exception ex)
        {
            // Availability over dedup; the next write carries these again.
            LogStorageFailed(ex, records.GrainId.ToString());
            records.ReturnChanges(added, removed);
        }
    }

    // After a failed write (an ETag conflict, for instance a second activation during a membership change, or storage down):
    // read the stored state again so the next write has its ETag and keeps the other writer's unexpired records too.
    private async Task RefreshAsync(CommandDedupRecords records, IGrainStorage store)
    {
        try
        {
            var fresh = new GrainState<CommandDedupState>(new CommandDedupState());
            await store.ReadStateAsync(CommandDedupFilter.StateName, records.GrainId, fresh);
            var now = timeProvider.GetUtcNow().UtcTicks;
            foreach (var record in fresh.State?.Records ?? [])
            {
                if (record.ExpiresAtTicks > now && records.TryGet(record.Key, now) is null)
                {
                    records.AddStored(record.Key, record.ExpiresAtTicks, serializer.Deserialize<object?>(record.Response), record.Response, now);
                }
            }

            records.Stored.ETag = fresh.ETag;
            records.Stored.RecordExists = fresh.RecordExists;
        }
        catch (Exception ex)
        {
            LogStorageFailed(ex, records.GrainId.ToString());
        }
    }

    private async Task SaveAsync(CommandDedupRecords records)
    {
        if (DedupStore is null && Storage is null)
        {
            return;
        }

        // Let durable writes still in flight finish (one write at a time keeps the storage ETag in order).
        while (true)
        {
            Task? pending;
            lock (records.WriteGate)
            {
                pending = records.WriteInFlight;
            }

            if (pending is null)
            {
                break;
            }

            await pending;
        }

        await WriteLiveAsync(records, all: true);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Request {Key} answered from the handler grain's dedup record")]
    internal partial void LogDuplicate(string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The command dedup records of grain {GrainId} could not be read or written; redelivered requests may run again")]
    private partial void LogStorageFailed(Exception exception, string grainId);
}

/// <summary>The dedup records of one handler grain's activation (an activation component), purged in arrival order.</summary>
internal sealed class CommandDedupRecords(GrainId grainId)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly Queue<(long ExpiresAtTicks, string Key)> order = new();

    // For a record-by-record store: keys of stored records that expired (to delete) and the latest stored expiry.
    private readonly List<string> expiredStored = [];
    private readonly List<string> durableUnstored = [];
    private long keepUntilTicks;

    public GrainId GrainId { get; } = grainId;

    /// <summary>The read of the stored records, started by the first command.</summary>
    public Task? LoadTask { get; set; }

    public GrainState<CommandDedupState> Stored { get; } = new(new CommandDedupState());

    /// <summary>Whether the records go to an <see cref="ICommandDedupStore"/> (expired stored records are then deleted one by one).</summary>
    public bool RecordByRecord { get; set; }

    /// <summary>Guards <see cref="WriteInFlight"/> and <see cref="NextWrite"/> (group commit).</summary>
    public Lock WriteGate { get; } = new();

    /// <summary>The storage write in flight, if any.</summary>
    public Task? WriteInFlight { get; set; }

    /// <summary>Completed when the write after the one in flight has finished; requests completed meanwhile wait on it.</summary>
    public TaskCompletionSource? NextWrite { get; set; }

    public Task<object?>? TryGet(string key, long now)
    {
        lock (gate)
        {
            Purge(now);
            return entries.TryGetValue(key, out var entry) && entry.ExpiresAtTicks > now ? entry.Response : null;
        }
    }

    public void Add(string key, long expiresAtTicks, Task<object?> response, long now)
    {
        lock (gate)
        {
            Purge(now);
            entries[key] = new Entry(expiresAtTicks, response);
            order.Enqueue((expiresAtTicks, key));
        }
    }

    public void AddStored(string key, long expiresAtTicks, object? response, byte[] bytes, long now)
    {
        lock (gate)
        {
            Purge(now);
            entries[key] = new Entry(expiresAtTicks, Task.FromResult(response)) { Completed = true, Result = response, Bytes = bytes, Stored = true };
            order.Enqueue((expiresAtTicks, key));
            keepUntilTicks = Math.Max(keepUntilTicks, expiresAtTicks);
        }
    }

    /// <summary>A stored record that is already expired: deleted with the next write.</summary>
    public void ForgetStored(string key)
    {
        lock (gate)
        {
            expiredStored.Add(key);
        }
    }

    /// <summary>
    /// For a record-by-record store: the executed, unexpired records not stored yet (serialized by <paramref name="serialize"/>
    /// when they have no bytes), now counted as stored; the keys of stored records that expired; the latest stored expiry.
    /// </summary>
    /// <param name="now">The current time (UTC ticks).</param>
    /// <param name="serialize">Serializes a response that has no bytes yet.</param>
    /// <param name="all">Every unstored record (a scan of all records); else only those completed durably since the last write.</param>
    public (List<CommandDedupRecord> Added, List<string> Removed, long KeepUntilTicks) TakeChanges(long now, Func<object?, byte[]> serialize, bool all)
    {
        lock (gate)
        {
            Purge(now);
            var added = new List<CommandDedupRecord>();
            IEnumerable<string> candidates = all ? entries.Keys : durableUnstored;
            foreach (var key in candidates)
            {
                if (entries.TryGetValue(key, out var entry) && !entry.Stored && entry.Completed && entry.ExpiresAtTicks > now)
                {
                    var bytes = entry.Bytes ??= serialize(entry.Result);
                    entry.Stored = true;
                    keepUntilTicks = Math.Max(keepUntilTicks, entry.ExpiresAtTicks);
                    added.Add(new CommandDedupRecord { Key = key, ExpiresAtTicks = entry.ExpiresAtTicks, Response = bytes });
                }
            }

            durableUnstored.Clear();
            var removed = expiredStored.ToList();
            expiredStored.Clear();
            return (added, removed, keepUntilTicks);
        }
    }

    /// <summary>A failed write: its records count as not stored again and its deletions are kept for the next write.</summary>
    public void ReturnChanges(List<CommandDedupRecord> added, List<string> removed)
    {
        lock (gate)
        {
            foreach (var record in added)
            {
                if (entries.TryGetValue(record.Key, out var entry))
                {
                    entry.Stored = false;
                    durableUnstored.Add(record.Key);
                }
            }

            expiredStored.AddRange(removed);
        }
    }

    /// <summary>Marks a record executed, with its response (and its serialized form when it is to be stored).</summary>
    public void Complete(string key, object? response, byte[]? bytes)
    {
        lock (gate)
        {
            if (entries.TryGetValue(key, out var entry))
            {
                entry.Result = response;
                entry.Bytes = bytes;
                entry.Completed = true;
                if (bytes is not null && RecordByRecord)
                {
                    durableUnstored.Add(key);
                }
            }
        }
    }

    public void Remove(string key)
    {
        lock (gate)
        {
            entries.Remove(key);
        }
    }

    /// <summary>The unexpired executed records, serialized (records without bytes are serialized by <paramref name="serialize"/>).</summary>
    public List<CommandDedupRecord> Live(long now, Func<object?, byte[]>? serialize = null)
    {
        lock (gate)
        {
            var live = new List<CommandDedupRecord>(entries.Count);
            foreach (var (key, entry) in entries)
            {
                if (entry.ExpiresAtTicks > now && entry.Completed && (entry.Bytes ??= serialize?.Invoke(entry.Result)) is { } bytes)
                {
                    live.Add(new CommandDedupRecord { Key = key, ExpiresAtTicks = entry.ExpiresAtTicks, Response = bytes });
                }
            }

            return live;
        }
    }

    // Requests of one command share one expiry interval, so arrival order is close to expiry order: the queue's head is purged
    // once expired (O(1) amortized); an entry with a later expiry ahead of earlier ones delays their removal, never their expiry.
    private void Purge(long now)
    {
        while (order.TryPeek(out var head) && head.ExpiresAtTicks <= now)
        {
            order.Dequeue();
            if (entries.TryGetValue(head.Key, out var entry) && entry.ExpiresAtTicks <= now && entry.Response.IsCompleted)
            {
                entries.Remove(head.Key);
                if (entry.Stored && RecordByRecord)
                {
                    expiredStored.Add(head.Key);
                }
            }
        }
    }

    private sealed class Entry(long expiresAtTicks, Task<object?> response)
    {
        public long ExpiresAtTicks { get; } = expiresAtTicks;

        public Task<object?> Response { get; } = response;

        public bool Completed { get; set; }

        public object? Result { get; set; }

        public byte[]? Bytes { get; set; }

        // Written to the record-by-record store (or read from it).
        public bool Stored { get; set; }
    }
}

/// <summary>The persisted dedup records of one handler grain (written before a durable response, and when its activation goes).</summary>
/// <remarks>
/// Stored as one packed byte array (<see cref="Packed"/>), not as a list of objects: the grain-storage serializer (JSON) then
/// writes one base64 string instead of an object per record, which is most of a durable write's cost when an activation holds
/// hundreds of unexpired records. Only <see cref="Packed"/> is persisted (<see cref="DataContractAttribute"/>).
/// </remarks>
[GenerateSerializer]
[DataContract]
public sealed class CommandDedupState
{
    /// <summary>The records, packed: per record its key (UTF-8, length-prefixed), expiry ticks and response bytes (length-prefixed).</summary>
    [Id(0)]
    [DataMember]
    public byte[] Packed { get; set; } = [];

    /// <summary>The unexpired records (unpacked from, or packed into, <see cref="Packed"/>).</summary>
    [IgnoreDataMember]
    public List<CommandDedupRecord> Records
    {
        get
        {
            var records = new List<CommandDedupRecord>();
            if (Packed.Length == 0)
            {
                return records;
            }

            using var reader = new BinaryReader(new MemoryStream(Packed, writable: false), System.Text.Encoding.UTF8);
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                var key = reader.ReadString();
                var expires = reader.ReadInt64();
                var response = reader.ReadBytes(reader.ReadInt32());
                records.Add(new CommandDedupRecord { Key = key, ExpiresAtTicks = expires, Response = response });
            }

            return records;
        }

        set
        {
            ArgumentNullException.ThrowIfNull(value);
            using var buffer = new MemoryStream();
            using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(value.Count);
                foreach (var record in value)
                {
                    writer.Write(record.Key);
                    writer.Write(record.ExpiresAtTicks);
                    writer.Write(record.Response.Length);
                    writer.Write(record.Response);
                }
            }

            Packed = buffer.ToArray();
        }
    }
}

/// <summary>One persisted dedup record.</summary>
[GenerateSerializer]
public sealed class CommandDedupRecord
{
    /// <summary>The dedup key (<see cref="CommandDedupFilter.Key"/>).</summary>
    [Id(0)]
    public string Key { get; set; } = string.Empty;

    /// <summary>The request's expiry (UTC ticks).</summary>
    [Id(1)]
    public long ExpiresAtTicks { get; set; }

    /// <summary>The grain's response, serialized by Orleans.</summary>
    [Id(2)]
    public byte[] Response { get; set; } = [];
}
