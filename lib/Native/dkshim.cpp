// DistillKit native shim: a thin C ABI over libtorch.
//
// One generic entry (dk_op_call) calls any ATen operator by schema name through the boxed dispatcher;
// a few specific entries cover what the dispatcher cannot express (memory transfer, autograd, grad mode,
// seeding, threads, devices, serialization). Every C++ exception is caught here and kept as a thread-local
// message that the managed side raises as a .NET exception.
#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/serialize.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/cuda.h>

#include <malloc.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#define DK_API extern "C" __attribute__((visibility("default")))

namespace {

thread_local std::string g_error;
std::atomic<int64_t> g_live{0};

using Handle = at::Tensor*;

Handle wrap(at::Tensor t) {
  g_live.fetch_add(1, std::memory_order_relaxed);
  return new at::Tensor(std::move(t));
}

template <typename F>
auto guarded(F&& f, decltype(f()) failure) -> decltype(f()) {
  try {
    g_error.clear();
    return f();
  } catch (const c10::Error& e) {
    g_error = e.what_without_backtrace();
  } catch (const std::exception& e) {
    g_error = e.what();
  } catch (...) {
    g_error = "unknown native error";
  }
  return failure;
}

// Argument kinds understood by dk_op_call (mirror of the managed ArgKind enum).
enum ArgKind : int32_t {
  K_NONE = 0,
  K_TENSOR = 1,
  K_INT = 2,
  K_DOUBLE = 3,
  K_BOOL = 4,
  K_INT_LIST = 5,
  K_TENSOR_LIST = 6,
  K_OPT_TENSOR_LIST = 7,  // c10::List<c10::optional<Tensor>>, null entries = None
  K_SCALAR_INT = 8,
  K_SCALAR_DOUBLE = 9,
  K_SCALAR_TYPE = 10,
  K_STRING = 11,
  K_DOUBLE_LIST = 12,
  K_DEVICE = 13,          // i = device type (0 cpu, 1 cuda), n = index
  K_DEFAULT = 14,         // use the schema's default value
  K_BOOL_LIST = 15,
  K_SCALAR_BOOL = 16,
};

struct DkArg {
  int32_t kind;
  int32_t n;
  int64_t i;
  double d;
  void* p;
};

struct OpEntry {
  c10::OperatorHandle handle;
  std::string name;
};

std::mutex g_ops_mutex;

c10::IValue to_ivalue(const DkArg& a, const c10::Argument& schemaArg) {
  switch (a.kind) {
    case K_NONE: return c10::IValue();
    case K_TENSOR: return c10::IValue(*static_cast<Handle>(a.p));
    case K_INT: return c10::IValue(a.i);
    case K_DOUBLE: return c10::IValue(a.d);
    case K_BOOL: return c10::IValue(a.i != 0);
    case K_INT_LIST: {
      auto* v = static_cast<const int64_t*>(a.p);
      return c10::IValue(std::vector<int64_t>(v, v + a.n));
    }
    case K_DOUBLE_LIST: {
      auto* v = static_cast<const double*>(a.p);
      return c10::IValue(std::vector<double>(v, v + a.n));
    }
    case K_BOOL_LIST: {
      auto* v = static_cast<const int64_t*>(a.p);
      c10::List<bool> l;
      for (int32_t k = 0; k < a.n; ++k) l.push_back(v[k] != 0);
      return c10::IValue(l);
    }
    case K_TENSOR_LIST: {
      auto* v = static_cast<Handle*>(a.p);
      c10::List<at::Tensor> l;
      l.reserve(a.n);
      for (int32_t k = 0; k < a.n; ++k) l.push_back(*v[k]);
      return c10::IValue(l);
    }
    case K_OPT_TENSOR_LIST: {
      auto* v = static_cast<Handle*>(a.p);
      c10::List<c10::optional<at::Tensor>> l;
      l.reserve(a.n);
      for (int32_t k = 0; k < a.n; ++k) {
        if (v[k]) l.push_back(c10::optional<at::Tensor>(*v[k]));
        else l.push_back(c10::nullopt);
      }
      return c10::IValue(l);
    }
    case K_SCALAR_INT: return c10::IValue(c10::Scalar(a.i));
    case K_SCALAR_DOUBLE: return c10::IValue(c10::Scalar(a.d));
    case K_SCALAR_BOOL: return c10::IValue(c10::Scalar(a.i != 0));
    case K_SCALAR_TYPE: return c10::IValue(static_cast<int64_t>(a.i));
    case K_STRING: return c10::IValue(std::string(static_cast<const char*>(a.p)));
    case K_DEVICE: {
      auto type = a.i == 1 ? c10::DeviceType::CUDA : c10::DeviceType::CPU;
      return c10::IValue(c10::Device(type, static_cast<c10::DeviceIndex>(a.n)));
    }
    case K_DEFAULT: {
      if (!schemaArg.default_value().has_value())
        throw std::runtime_error("argument '" + schemaArg.name() + "' has no default value and must be given");
      return *schemaArg.default_value();
    }
  }
  throw std::runtime_error("unknown argument kind " + std::to_string(a.kind));
}

// Results are flattened into a thread-local buffer the managed side reads back.
thread_local std::vector<DkArg> g_results;

void push_result(const c10::IValue& v) {
  DkArg r{};
  if (v.isTensor()) {
    const auto& t = v.toTensor();
    if (!t.defined()) { r.kind = K_NONE; g_results.push_back(r); return; }
    r.kind = K_TENSOR; r.p = wrap(t);
  } else if (v.isNone()) {
    r.kind = K_NONE;
  } else if (v.isInt()) {
    r.kind = K_INT; r.i = v.toInt();
  } else if (v.isDouble()) {
    r.kind = K_DOUBLE; r.d = v.toDouble();
  } else if (v.isBool()) {
    r.kind = K_BOOL; r.i = v.toBool() ? 1 : 0;
  } else if (v.isScalar()) {
    auto s = v.toScalar();
    if (s.isIntegral(false)) { r.kind = K_INT; r.i = s.toLong(); }
    else if (s.isBoolean()) { r.kind = K_BOOL; r.i = s.toBool(); }
    else { r.kind = K_DOUBLE; r.d = s.toDouble(); }
  } else if (v.isTensorList()) {
    auto l = v.toTensorList();
    r.kind = K_TENSOR_LIST; r.n = static_cast<int32_t>(l.size());
    g_results.push_back(r);
    for (size_t k = 0; k < l.size(); ++k) push_result(c10::IValue(l.get(k)));
    return;
  } else if (v.isIntList()) {
    auto l = v.toIntList();
    r.kind = K_INT_LIST; r.n = static_cast<int32_t>(l.size());
    g_results.push_back(r);
    for (size_t k = 0; k < l.size(); ++k) push_result(c10::IValue(l.get(k)));
    return;
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) push_result(e);
    return;
  } else {
    throw std::runtime_error("unsupported result type " + v.tagKind());
  }
  g_results.push_back(r);
}

}  // namespace

// ---------------------------------------------------------------- errors, handles

DK_API const char* dk_last_error() { return g_error.c_str(); }

DK_API void dk_free(Handle t) {
  if (!t) return;
  delete t;
  g_live.fetch_sub(1, std::memory_order_relaxed);
}

DK_API int64_t dk_live_count() { return g_live.load(); }

// ---------------------------------------------------------------- generic operator call

// Finds (and caches, since handles are stable) an operator by schema name and overload.
// Returns an opaque handle or null with the error set.
DK_API void* dk_op_find(const char* name, const char* overload) {
  return guarded([&]() -> void* {
    std::lock_guard<std::mutex> lock(g_ops_mutex);
    auto h = c10::Dispatcher::singleton().findSchemaOrThrow(name, overload);
    std::string full = std::string(name) + (overload && *overload ? std::string(".") + overload : "");
    return new OpEntry{h, full};
  }, nullptr);
}

DK_API int32_t dk_op_num_args(void* op) {
  auto* e = static_cast<OpEntry*>(op);
  return static_cast<int32_t>(e->handle.schema().arguments().size());
}

DK_API int32_t dk_op_num_returns(void* op) {
  auto* e = static_cast<OpEntry*>(op);
  return static_cast<int32_t>(e->handle.schema().returns().size());
}

// Copies the operator's schema text into buf; returns the needed length.
DK_API int32_t dk_op_schema(void* op, char* buf, int32_t cap) {
  auto* e = static_cast<OpEntry*>(op);
  std::stringstream ss;
  ss << e->handle.schema();
  auto s = ss.str();
  if (buf && cap > 0) {
    auto n = std::min<size_t>(s.size(), static_cast<size_t>(cap - 1));
    std::memcpy(buf, s.data(), n);
    buf[n] = 0;
  }
  return static_cast<int32_t>(s.size());
}

// Calls the operator with nargs positional arguments; missing trailing arguments take the schema defaults.
// Returns the number of flattened results (read them with dk_result; the first is also copied to *first when
// first is not null, saving a call) or -1 on error.
DK_API int32_t dk_op_call(void* op, const DkArg* args, int32_t nargs, DkArg* first) {
  return guarded([&]() -> int32_t {
    auto* e = static_cast<OpEntry*>(op);
    const auto& schema = e->handle.schema();
    const auto& sargs = schema.arguments();
    if (static_cast<size_t>(nargs) > sargs.size())
      throw std::runtime_error("too many arguments (" + std::to_string(nargs) + ") for " + e->name +
                               " which takes " + std::to_string(sargs.size()));
    thread_local torch::jit::Stack stack;  // reused: its capacity stays, saving an allocation per call
    stack.clear();
    for (size_t k = 0; k < sargs.size(); ++k) {
      if (k < static_cast<size_t>(nargs)) {
        stack.push_back(to_ivalue(args[k], sargs[k]));
      } else {
        if (!sargs[k].default_value().has_value())
          throw std::runtime_error("missing argument '" + sargs[k].name() + "' for " + e->name);
        stack.push_back(*sargs[k].default_value());
      }
    }
    e->handle.callBoxed(&stack);
    g_results.clear();
    for (auto& v : stack) push_result(v);
    stack.clear();
    if (first && !g_results.empty()) *first = g_results[0];
    return static_cast<int32_t>(g_results.size());
  }, -1);
}

DK_API void dk_result(int32_t index, DkArg* out) { *out = g_results[static_cast<size_t>(index)]; }

DK_API const char* dk_op_name(void* op) { return static_cast<OpEntry*>(op)->name.c_str(); }

// ---------------------------------------------------------------- memory transfer and queries

static c10::ScalarType to_scalar_type(int32_t code) { return static_cast<c10::ScalarType>(code); }

// Creates a tensor of the given dtype and shape holding a copy of data (may be null: uninitialised).
DK_API Handle dk_from_data(const void* data, int32_t dtype, const int64_t* shape, int32_t ndim) {
  return guarded([&]() -> Handle {
    std::vector<int64_t> sizes(shape, shape + ndim);
    auto t = at::empty(sizes, at::TensorOptions().dtype(to_scalar_type(dtype)));
    if (data && t.numel() > 0) std::memcpy(t.data_ptr(), data, t.numel() * t.element_size());
    return wrap(t);
  }, nullptr);
}

// Copies the tensor (any device, any layout) into dst as contiguous CPU data; nbytes must match.
DK_API int32_t dk_to_data(Handle t, void* dst, int64_t nbytes) {
  return guarded([&]() -> int32_t {
    at::NoGradGuard ng;
    auto c = t->detach().to(at::kCPU).contiguous();
    int64_t need = c.numel() * static_cast<int64_t>(c.element_size());
    if (need != nbytes)
      throw std::runtime_error("buffer of " + std::to_string(nbytes) + " bytes for a tensor of " +
                               std::to_string(need) + " bytes");
    if (need > 0) std::memcpy(dst, c.data_ptr(), static_cast<size_t>(need));
    return 0;
  }, -1);
}

DK_API int32_t dk_ndim(Handle t) { return static_cast<int32_t>(t->dim()); }
DK_API void dk_shape(Handle t, int64_t* out) {
  auto s = t->sizes();
  for (size_t k = 0; k < s.size(); ++k) out[k] = s[k];
}
DK_API int32_t dk_dtype(Handle t) { return static_cast<int32_t>(t->scalar_type()); }
DK_API int32_t dk_device_type(Handle t) { return t->device().is_cuda() ? 1 : 0; }
DK_API int32_t dk_device_index(Handle t) { return t->device().has_index() ? t->device().index() : -1; }
DK_API int32_t dk_defined(Handle t) { return t->defined() ? 1 : 0; }
DK_API int64_t dk_numel(Handle t) { return t->numel(); }
DK_API void* dk_data_ptr(Handle t) { return guarded([&]() -> void* { return t->data_ptr(); }, nullptr); }
DK_API int32_t dk_is_contiguous(Handle t) { return t->is_contiguous() ? 1 : 0; }

// A new handle sharing the same tensor (cheap: reference count only).
DK_API Handle dk_alias(Handle t) { return wrap(*t); }

// ---------------------------------------------------------------- autograd

DK_API int32_t dk_requires_grad(Handle t) { return t->requires_grad() ? 1 : 0; }
DK_API int32_t dk_set_requires_grad(Handle t, int32_t on) {
  return guarded([&]() -> int32_t { t->set_requires_grad(on != 0); return 0; }, -1);
}
DK_API int32_t dk_is_leaf(Handle t) { return t->is_leaf() ? 1 : 0; }

DK_API int32_t dk_backward(Handle t, Handle grad, int32_t retain_graph, int32_t create_graph) {
  return guarded([&]() -> int32_t {
    at::Tensor g = grad ? *grad : at::Tensor();
    t->backward(g, retain_graph ? c10::optional<bool>(true) : c10::nullopt, create_graph != 0);
    return 0;
  }, -1);
}

// The .grad of a leaf, or null when it has none (no error set).
DK_API Handle dk_grad(Handle t) {
  return guarded([&]() -> Handle {
    const auto& g = t->grad();
    return g.defined() ? wrap(g) : nullptr;
  }, nullptr);
}

DK_API int32_t dk_set_grad(Handle t, Handle g) {
  return guarded([&]() -> int32_t {
    t->mutable_grad() = g ? *g : at::Tensor();
    return 0;
  }, -1);
}

// Replaces the data of t (a parameter) with src's, keeping t's identity and requires_grad (Module.to).
DK_API int32_t dk_set_data(Handle t, Handle src) {
  return guarded([&]() -> int32_t { t->set_data(*src); return 0; }, -1);
}

DK_API int32_t dk_grad_enabled() { return at::GradMode::is_enabled() ? 1 : 0; }
DK_API void dk_set_grad_enabled(int32_t on) { at::GradMode::set_enabled(on != 0); }

// ---------------------------------------------------------------- engine settings

// Keeps freed tensor memory in the process instead of returning it to the kernel after every free (glibc's
// dynamic mmap threshold does not adapt in the .NET host, so each large tensor was a fresh mmap with page faults:
// about 25% of a small conv net's training step). Allocations up to 32 MiB come from the heap, and the heap is
// trimmed only above 512 MiB of free memory at its top.
DK_API int32_t dk_tune_allocator() {
  int ok = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  ok &= mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
  ok &= mallopt(M_TOP_PAD, 64 * 1024 * 1024);
  return ok;
}

DK_API void dk_manual_seed(uint64_t seed) {
  guarded([&]() -> int { at::manual_seed(seed); return 0; }, -1);
}
DK_API void dk_set_num_threads(int32_t n) { at::set_num_threads(n); }
DK_API int32_t dk_get_num_threads() { return at::get_num_threads(); }
DK_API int32_t dk_cuda_available() {
  return guarded([&]() -> int32_t { return torch::cuda::is_available() ? 1 : 0; }, 0);
}
DK_API int32_t dk_cuda_device_count() {
  return guarded([&]() -> int32_t { return static_cast<int32_t>(torch::cuda::device_count()); }, 0);
}
DK_API int32_t dk_config(char* buf, int32_t cap) {
  auto s = at::show_config() + "\n" + at::get_parallel_info();
  if (buf && cap > 0) {
    auto n = std::min<size_t>(s.size(), static_cast<size_t>(cap - 1));
    std::memcpy(buf, s.data(), n);
    buf[n] = 0;
  }
  return static_cast<int32_t>(s.size());
}

// ---------------------------------------------------------------- serialization (PyTorch pickle files; reading is managed)

// Writes name -> tensor pairs in the format Python's torch.load reads.
DK_API int32_t dk_pickle_save(const char* path, const char** names, Handle* tensors, int32_t n) {
  return guarded([&]() -> int32_t {
    c10::Dict<std::string, at::Tensor> d;
    for (int32_t k = 0; k < n; ++k) d.insert(names[k], tensors[k]->detach().to(at::kCPU));
    auto bytes = torch::pickle_save(c10::IValue(d));
    std::ofstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error(std::string("cannot write ") + path);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f) throw std::runtime_error(std::string("write failed for ") + path);
    return 0;
  }, -1);
}
