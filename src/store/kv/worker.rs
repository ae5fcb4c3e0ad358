//! The thread that holds the bucket's connection and runs the store's requests on a
//! runtime of its own.
//!
//! The [`Store`](crate::store::Store) trait is blocking, and its callers are often async
//! code on a runtime of their own (a current-thread one, even): a blocking call on that
//! runtime's thread must not wait for work that runtime would do. So the connection
//! lives here, on this thread's runtime, and a call hands it a job and waits for the
//! answer on a channel.

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc as blocking;
use std::thread::JoinHandle;
use std::time::Duration;

use async_nats::jetstream::kv;
use tokio::sync::mpsc;

use crate::store::StoreError;

/// How long connecting and opening the bucket may take.
const OPEN_BOUND: Duration = Duration::from_secs(20);
/// How long one call may take (each KV request is bounded by JetStream's own timeout;
/// a call makes a few).
const CALL_BOUND: Duration = Duration::from_secs(30);

type Job = Box<dyn FnOnce(kv::Store) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// The bucket's thread; stopped (after its calls in flight) when dropped.
pub(super) struct Worker {
    jobs: Option<mpsc::UnboundedSender<Job>>,
    thread: Option<JoinHandle<()>>,
    bucket: String,
}

impl Worker {
    /// Starts the thread, which runs `open` (connect, then create or get the bucket) and
    /// then the calls.
    pub(super) fn start<F>(
        bucket: &str,
        open: impl FnOnce() -> F + Send + 'static,
    ) -> Result<Worker, StoreError>
    where
        F: Future<Output = Result<kv::Store, StoreError>>,
    {
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job>();
        let (ready, opened) = blocking::sync_channel(1);
        let name = bucket.to_owned();
        let thread = std::thread::Builder::new()
            .name(format!("natsjwt-kv-{bucket}"))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready.send(Err(StoreError::kv(&name, "", e)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let store = match tokio::time::timeout(OPEN_BOUND, open()).await {
                        Ok(Ok(store)) => store,
                        Ok(Err(e)) => {
                            let _ = ready.send(Err(e));
                            return;
                        }
                        Err(elapsed) => {
                            let _ = ready.send(Err(StoreError::kv(&name, "", elapsed)));
                            return;
                        }
                    };
                    let _ = ready.send(Ok(()));
                    // Each call on a task of its own: calls from several threads overlap.
                    let mut running = tokio::task::JoinSet::new();
                    while let Some(job) = queue.recv().await {
                        running.spawn(job(store.clone()));
                        while running.try_join_next().is_some() {}
                    }
                    while running.join_next().await.is_some() {}
                });
            })
            .map_err(|e| StoreError::kv(bucket, "", e))?;
        let worker = Worker {
            jobs: Some(jobs),
            thread: Some(thread),
            bucket: bucket.to_owned(),
        };
        match opened.recv() {
            Ok(Ok(())) => Ok(worker),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(worker.stopped("")),
        }
    }

    /// Runs `call` on the bucket and waits for its answer; `key` names what it is about
    /// in the errors.
    pub(super) fn call<T, F>(
        &self,
        key: &str,
        call: impl FnOnce(kv::Store) -> F + Send + 'static,
    ) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        let (answer, answered) = blocking::sync_channel(1);
        let bucket = self.bucket.clone();
        let about = key.to_owned();
        let job: Job = Box::new(move |store| {
            Box::pin(async move {
                let result = match tokio::time::timeout(CALL_BOUND, call(store)).await {
                    Ok(result) => result,
                    Err(elapsed) => Err(StoreError::kv(&bucket, &about, elapsed)),
                };
                // The caller waits for this; it cannot have gone.
                let _ = answer.send(result);
            })
        });
        let sent = self.jobs.as_ref().map(|jobs| jobs.send(job));
        if !matches!(sent, Some(Ok(()))) {
            return Err(self.stopped(key));
        }
        answered.recv().map_err(|_| self.stopped(key))?
    }

    fn stopped(&self, key: &str) -> StoreError {
        StoreError::kv(
            &self.bucket,
            key,
            std::io::Error::other("the store's thread stopped"),
        )
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the queue ends the thread once its calls are answered.
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
