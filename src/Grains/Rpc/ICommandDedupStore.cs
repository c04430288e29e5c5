namespace OrleansAio.Grains.Rpc;

/// <summary>
/// Keeps the durable command dedup records of handler grains one record at a time, so a durable request costs one small write
/// of its own record rather than a rewrite of every unexpired record of the activation (src/Grains/Rpc/README.md).
/// </summary>
/// <remarks>
/// When the silo registers none, the records go to the default grain storage as one state per grain, rewritten on each write.
/// The silo registers a Redis implementation when its default grain storage is Redis (or the embedded Garnet).
/// </remarks>
public interface ICommandDedupStore
{
    /// <summary>Reads every stored record of a handler grain; expired ones may be among them (the caller skips them).</summary>
    /// <param name="grainId">The handler grain.</param>
    /// <returns>The stored records.</returns>
    Task<IReadOnlyList<CommandDedupRecord>> ReadAsync(GrainId grainId);

    /// <summary>
    /// Stores <paramref name="added"/> and deletes the records of <paramref name="removed"/>, durably before the task completes;
    /// the grain's records may be dropped as a whole after <paramref name="keepUntilTicks"/>.
    /// </summary>
    /// <param name="grainId">The handler grain.</param>
    /// <param name="added">New records.</param>
    /// <param name="removed">Keys of expired records.</param>
    /// <param name="keepUntilTicks">The latest expiry (UTC ticks) among the grain's stored records.</param>
    /// <returns>A task that completes once the change is stored.</returns>
    Task WriteAsync(GrainId grainId, IReadOnlyList<CommandDedupRecord> added, IReadOnlyList<string> removed, long keepUntilTicks);
}
