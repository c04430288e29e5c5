using System.Collections;
using System.Diagnostics;

namespace OrleansAio.Tests.AppHost;

/// <summary>
/// The in-memory exporter's target: finished spans, safe to read while the exporter adds (spans end on broker and grain threads).
/// </summary>
internal sealed class SpanCollection : ICollection<Activity>
{
    private readonly List<Activity> spans = [];
    private readonly SemaphoreSlim added = new(0);

    public int Count
    {
        get
        {
            lock (spans)
            {
                return spans.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    public void Add(Activity item)
    {
        lock (spans)
        {
            spans.Add(item);
        }

        added.Release();
    }

    /// <summary>Waits until a finished span matches <paramref name="predicate"/>, or fails naming what was seen.</summary>
    public async Task<Activity> WaitForAsync(Func<Activity, bool> predicate, string what, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (Snapshot().FirstOrDefault(predicate) is { } found)
            {
                return found;
            }

            try
            {
                await added.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Assert.Fail($"no span {what}; seen: {string.Join(", ", Snapshot().Select(s => $"{s.Source.Name}:{s.DisplayName}"))}");
            }
        }
    }

    /// <summary>The spans finished so far.</summary>
    public Activity[] Snapshot()
    {
        lock (spans)
        {
            return [.. spans];
        }
    }

    public void Clear()
    {
        lock (spans)
        {
            spans.Clear();
        }
    }

    public bool Contains(Activity item) => Snapshot().Contains(item);

    public void CopyTo(Activity[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

    public bool Remove(Activity item)
    {
        lock (spans)
        {
            return spans.Remove(item);
        }
    }

    public IEnumerator<Activity> GetEnumerator() => ((IEnumerable<Activity>)Snapshot()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
