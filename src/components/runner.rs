//! Runs a flow's requests one at a time and remembers the last for "Try again".

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;

/// A flow's step function as a [`Runner`] keeps it: one boxed future type for every flow.
type StepFn<Op> = Box<dyn Fn(Runner<Op>, Op) -> Pin<Box<dyn Future<Output = ()>>>>;

/// What a [`Runner`] keeps: the step function and the last operation, for "Try again".
struct RunnerState<Op: 'static> {
    step: StepFn<Op>,
    last: RefCell<Option<Op>>,
}

/// Runs a flow's steps one at a time, like a local `Action` without its value bookkeeping (the
/// steps report through the flow's signals): [`Runner::pending`] is true while a step runs, and
/// [`Runner::run`] ignores another step meanwhile, so nothing is submitted twice. It remembers
/// the last operation so a failed one can be retried ([`Runner::retry`]).
pub struct Runner<Op: 'static> {
    pending: RwSignal<bool>,
    state: StoredValue<Rc<RunnerState<Op>>, LocalStorage>,
}

impl<Op: 'static> Clone for Runner<Op> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Op: 'static> Copy for Runner<Op> {}

impl<Op: Clone + 'static> Runner<Op> {
    /// A runner for `step`, which performs one operation of the flow (and gets the runner, to
    /// [`Runner::remember`] where it got to).
    pub fn new<Fut: Future<Output = ()> + 'static>(
        step: impl Fn(Runner<Op>, Op) -> Fut + 'static,
    ) -> Self {
        let state = RunnerState {
            step: Box::new(move |runner, op| Box::pin(step(runner, op))),
            last: RefCell::new(None),
        };
        Self {
            pending: RwSignal::new(false),
            state: StoredValue::new_local(Rc::new(state)),
        }
    }

    /// True while a step runs (drives the buttons' pending state).
    pub fn pending(self) -> RwSignal<bool> {
        self.pending
    }

    /// Starts `op` unless a step is already running (or the flow is gone), and remembers it.
    pub fn run(self, op: Op) {
        if self.pending.get_untracked() {
            return;
        }
        let Some(state) = self.state.try_get_value() else {
            return;
        };
        self.remember(op.clone());
        self.pending.set(true);
        let pending = self.pending;
        wasm_bindgen_futures::spawn_local(async move {
            (state.step)(self, op).await;
            pending.try_set(false);
        });
    }

    /// Makes `op` the one [`Runner::retry`] repeats (a step that moved on to another operation).
    pub fn remember(self, op: Op) {
        if let Some(state) = self.state.try_get_value() {
            *state.last.borrow_mut() = Some(op);
        }
    }

    /// Runs the last operation again (after a network failure).
    pub fn retry(self) {
        let last = self
            .state
            .try_get_value()
            .and_then(|state| state.last.borrow().clone());
        if let Some(op) = last {
            self.run(op);
        }
    }
}
