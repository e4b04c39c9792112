// Background batch preparation: worker threads claim batch indices in order, but only while fewer than `prefetch`
// batches are prepared or in preparation ahead of the consumer (a semaphore of slots), and the consumer takes them
// back in index order. A worker's exception is parked at its batch index and rethrown (unchanged) when that batch is due.
using System.Collections;
using System.Runtime.ExceptionServices;

namespace DeepSeek.NN.Data;

internal sealed class PrefetchEnumerator<TItem> : IEnumerator<Batch>
{
    private readonly DataLoader<TItem> _loader;
    private readonly int[] _order;
    private readonly int _epoch, _batches;
    private readonly CancellationToken _token;
    private readonly CancellationTokenSource _stop;
    private readonly SemaphoreSlim _slots, _ready = new(0);
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Batch> _done = new();
    private readonly Dictionary<int, ExceptionDispatchInfo> _failed = new();
    private readonly Thread[] _workers;
    private int _claimed, _next;
    private Batch? _current;
    private bool _disposed;

    public PrefetchEnumerator(DataLoader<TItem> loader, int[] order, int epoch, CancellationToken token)
    {
        _loader = loader;
        _order = order;
        _epoch = epoch;
        _batches = loader.Count;
        _token = token;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        _slots = new SemaphoreSlim(loader.Options.Prefetch);
        int n = Math.Min(loader.Options.NumWorkers, Math.Max(1, _batches));
        _workers = new Thread[n];
        for (int i = 0; i < n; i++)
        {
            _workers[i] = new Thread(Work) { IsBackground = true, Name = $"DataLoader worker {i}" };
            _workers[i].Start();
        }
    }

    private void Work()
    {
        try
        {
            while (true)
            {
                _slots.Wait(_stop.Token);
                int b = Interlocked.Increment(ref _claimed) - 1;
                if (b >= _batches)
                {
                    _slots.Release();
                    return;
                }
                Batch? batch = null;
                ExceptionDispatchInfo? error = null;
                try { batch = _loader.MakeBatch(_order, b, _epoch); }
                catch (Exception e) { error = ExceptionDispatchInfo.Capture(e); }
                lock (_gate)
                {
                    if (_disposed) batch?.Dispose();
                    else if (batch is not null) _done[b] = batch;
                    else _failed[b] = error!;
                }
                _ready.Release();
                if (error is not null) return;
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    public Batch Current => _current ?? throw new InvalidOperationException("DataLoader: Current is read before MoveNext or after the end.");
    object IEnumerator.Current => Current;

    public bool MoveNext()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _current?.Dispose();
        _current = null;
        if (_next >= _batches) return false;
        while (true)
        {
            _token.ThrowIfCancellationRequested();
            lock (_gate)
            {
                if (_done.Remove(_next, out var batch))
                {
                    _current = batch;
                    _next++;
                    _slots.Release();
                    return true;
                }
                if (_failed.TryGetValue(_next, out var error)) error.Throw();
            }
            _ready.Wait(_token);
        }
    }

    public void Reset() => throw new NotSupportedException("DataLoader: start a new epoch with GetEnumerator instead of Reset.");

    /// <summary>Stops the workers, waits for them, and frees every prepared batch and the current one.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        _stop.Cancel();
        foreach (var w in _workers) w.Join();
        _current?.Dispose();
        _current = null;
        foreach (var b in _done.Values) b.Dispose();
        _done.Clear();
        _stop.Dispose();
        _slots.Dispose();
        _ready.Dispose();
    }
}
