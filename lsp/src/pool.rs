//! A small fixed pool of threads for the CPU-bound engine, so linting never runs on the async
//! reactor and never uses more threads than there are cores (tokio's blocking pool would grow
//! to many threads under load, each with its own allocator arena).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};

type Job = Box<dyn FnOnce() + Send + 'static>;

static POOL: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();

fn sender() -> Sender<Job> {
    POOL.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        let rx: Arc<Mutex<Receiver<Job>>> = Arc::new(Mutex::new(rx));
        let n = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(1, 4);
        for i in 0..n {
            let rx = rx.clone();
            let _ = std::thread::Builder::new()
                .name(format!("predeploy-lint-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(e) => e.into_inner().recv(),
                    };
                    match job {
                        // A panic in one job must not kill the worker; the caller sees the
                        // dropped result channel.
                        Ok(job) => {
                            let _ = catch_unwind(AssertUnwindSafe(job));
                            release_free_memory();
                        }
                        Err(_) => break,
                    }
                });
        }
        Mutex::new(tx)
    })
    .lock()
    .unwrap_or_else(|e| e.into_inner())
    .clone()
}

/// Hands the memory a lint freed back to the system. A check allocates a syntax tree, a parent
/// index and findings proportional to the file, and glibc keeps freed memory in each thread's
/// arena: with two lint threads (a quick check beside a full one) the server's RSS rose from 55
/// to 85 MiB over ten edits of a 5,000-line file and stayed there. Runs after the job's result
/// was sent, so it adds nothing to the latency a client sees.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's heaps to the kernel; it
    // takes the allocator's own locks and touches no memory in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Runs `f` on the pool and waits for its result without blocking the reactor. `Err` if the job
/// panicked.
pub async fn run<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, ()> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = tx.send(f());
    });
    if sender().send(job).is_err() {
        return Err(());
    }
    rx.await.map_err(|_| ())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn runs_jobs_and_survives_panics() {
        assert_eq!(super::run(|| 2 + 2).await, Ok(4));
        let r: Result<(), ()> = super::run(|| panic!("boom")).await;
        assert!(r.is_err());
        assert_eq!(super::run(|| "still alive").await, Ok("still alive"));
    }
}
