// A guard between TorchSharp's managed code and its native library (libLibTorchSharp.so) against a finaliser race.
//
// The race: TorchSharp 0.107 turns a .NET number into a finalisable Scalar object on every call such as `a + b`
// (alpha = 1) or `x * 0.5`, reads its native handle, and calls libtorch without keeping the managed object alive.
// A garbage collection started by another thread during that call can run the Scalar's finaliser, which frees the
// native c10::Scalar while the operator is reading it: "Expected false to be true ... toFloat" or a crash. A temporary
// Tensor outside every dispose scope has the same window. (Upstream: dotnet/TorchSharp pull requests 1434, 1496.)
//
// The guard: TorchRuntime makes TorchSharp's P/Invokes resolve through this library. Every symbol but two falls
// through to libLibTorchSharp.so (a needed library, so dlsym on this library's handle finds it there). The two it
// defines delay the frees that can race:
//   THSTorch_dispose_scalar  a native scalar (a 32-byte value) is freed GRACE_SECONDS after TorchSharp releases it;
//   THSTensor_dispose        a tensor released by the .NET finaliser thread likewise; an explicit Dispose (any other
//                            thread, e.g. a dispose scope) frees at once, so memory comes back when the user says.
// Delayed entries are freed by later calls once their time has passed. Thread-safe (one mutex around a FIFO).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#define GRACE_SECONDS 5.0

typedef void (*dispose_fn)(void*);

typedef struct { void* handle; dispose_fn dispose; double due; } pending_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pending_t* queue;                 // ring buffer of delayed frees, oldest at head
static size_t capacity, head, count;
static long long delayed_total, freed_total;
static dispose_fn real_dispose_scalar, real_dispose_tensor;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static dispose_fn real(const char* name)
{
    void* lib = dlopen("libLibTorchSharp.so", RTLD_LAZY | RTLD_NOLOAD);
    return lib ? (dispose_fn)dlsym(lib, name) : NULL;
}

static void resolve_real(void)
{
    if (!real_dispose_scalar) real_dispose_scalar = real("THSTorch_dispose_scalar");
    if (!real_dispose_tensor) real_dispose_tensor = real("THSTensor_dispose");
}

static int on_finalizer_thread(void)
{
    static __thread int known = -1;
    if (known < 0)
    {
        char name[17] = {0};
        prctl(PR_GET_NAME, name, 0, 0, 0);
        known = strcmp(name, ".NET Finalizer") == 0;
    }
    return known;
}

// Takes the entries whose time has come out of the queue (caller holds the lock); returns how many went to `out`.
static size_t take_due(double now, pending_t* out, size_t max)
{
    size_t n = 0;
    while (count > 0 && n < max && queue[head].due <= now)
    {
        out[n++] = queue[head];
        head = (head + 1) % capacity;
        count--;
    }
    return n;
}

static int push(void* handle, dispose_fn dispose, double due)
{
    if (count == capacity)
    {
        size_t grown = capacity ? capacity * 2 : 4096;
        pending_t* q = malloc(grown * sizeof(pending_t));
        if (!q) return 0;
        for (size_t i = 0; i < count; i++) q[i] = queue[(head + i) % capacity];
        free(queue);
        queue = q;
        capacity = grown;
        head = 0;
    }
    queue[(head + count) % capacity] = (pending_t){ handle, dispose, due };
    count++;
    delayed_total++;
    return 1;
}

static void delay_free(void* handle, dispose_fn dispose)
{
    enum { batch = 256 };
    pending_t due[batch];
    double now = now_seconds();
    pthread_mutex_lock(&lock);
    int queued = push(handle, dispose, now + GRACE_SECONDS);
    size_t n = take_due(now, due, batch);
    freed_total += (long long)n;
    pthread_mutex_unlock(&lock);
    if (!queued) dispose(handle);   // out of memory for the queue: free at once rather than leak
    for (size_t i = 0; i < n; i++) due[i].dispose(due[i].handle);
}

__attribute__((visibility("default"))) void THSTorch_dispose_scalar(void* scalar)
{
    resolve_real();
    if (!real_dispose_scalar || !scalar) return;
    delay_free(scalar, real_dispose_scalar);
}

__attribute__((visibility("default"))) void THSTensor_dispose(void* tensor)
{
    resolve_real();
    if (!real_dispose_tensor || !tensor) return;
    if (on_finalizer_thread()) delay_free(tensor, real_dispose_tensor);
    else real_dispose_tensor(tensor);
}

// Diagnostics for the kit: frees delayed so far, frees done after their delay, entries waiting, and whether both
// real entries were found (1) or not (0).
__attribute__((visibility("default"))) int dk_guard_stats(long long* delayed, long long* freed, long long* waiting)
{
    resolve_real();
    pthread_mutex_lock(&lock);
    *delayed = delayed_total;
    *freed = freed_total;
    *waiting = (long long)count;
    pthread_mutex_unlock(&lock);
    return real_dispose_scalar && real_dispose_tensor;
}
